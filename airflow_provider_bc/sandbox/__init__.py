"""A local emulation of a BigCommerce store's v2 API, for the demo and the tests."""
