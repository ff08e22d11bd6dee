"""The connection's fields, validated before any request: each mistake has its own message."""

from __future__ import annotations

from pathlib import Path

import pytest

from airflow_provider_bc.client import ClientConfig, ConfigurationError, normalize_api_path


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://store-abc123.mybigcommerce.com/api/v2/", "https://store-abc123.mybigcommerce.com/api/v2/"),
        ("https://store-abc123.mybigcommerce.com/api/v2", "https://store-abc123.mybigcommerce.com/api/v2/"),
        ("https://store-abc123.mybigcommerce.com", "https://store-abc123.mybigcommerce.com/api/v2/"),
        ("https://store-abc123.mybigcommerce.com/", "https://store-abc123.mybigcommerce.com/api/v2/"),
        ("https://Store-ABC123.mybigcommerce.com/api/v2/", "https://store-abc123.mybigcommerce.com/api/v2/"),
        ("HTTPS://127.0.0.1:8443/api/v2//", "https://127.0.0.1:8443/api/v2/"),
    ],
)
def test_api_path_forms_that_bigcommerce_shows_are_accepted(given: str, expected: str) -> None:
    assert normalize_api_path(given) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "API Path (host) of the connection is empty"),
        (None, "API Path (host) of the connection is empty"),
        ("http://store-abc.mybigcommerce.com/api/v2/", "uses http:// (http://store-abc.mybigcommerce.com/api/v2/): BigCommerce is reached over https:// only"),
        (" https://store-abc.mybigcommerce.com/api/v2/", "has leading or trailing spaces: remove them"),
        ("https://store-abc.mybigcommerce.com/api/v2/ ", "has leading or trailing spaces: remove them"),
        ("store-abc.mybigcommerce.com/api/v2/", "is not a URL: 'store-abc.mybigcommerce.com/api/v2/'"),
        ("ftp://store-abc.mybigcommerce.com/api/v2/", "is not a URL"),
        ("https://store-abc.mybigcommerce.com/api/v3/", "points to the v3 API"),
        ("https://store-abc.mybigcommerce.com/shop/", "ends in '/shop/': expected the store's v2 API path"),
        ("https://user:pw@store-abc.mybigcommerce.com/api/v2/", "contains a user name or password"),
        ("https://store-abc.mybigcommerce.com/api/v2/?x=1", "has a query or fragment"),
        ("https://store-abc.mybigcommerce.com:99999/api/v2/", "has an invalid port"),
    ],
)
def test_api_path_mistakes_are_named(given: object, message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_api_path(given)
    assert message in str(caught.value)


def test_http_advice_gives_the_https_url() -> None:
    with pytest.raises(ConfigurationError, match=r"change it to https://store-abc\.mybigcommerce\.com/api/v2/"):
        normalize_api_path("http://store-abc.mybigcommerce.com/api/v2/")


def _config(**fields: object) -> ClientConfig:
    values: dict[str, object] = {"host": "https://store-abc.mybigcommerce.com/api/v2/", "login": "reader", "password": "s3cret-token", "extra": {}}
    values.update(fields)
    return ClientConfig.from_connection_fields(source="connection 'bc'", **values)  # type: ignore[arg-type]


def test_defaults_and_normalised_path() -> None:
    config = _config()
    assert config.api_path == "https://store-abc.mybigcommerce.com/api/v2/"
    assert (config.verify, config.timeout, config.concurrency, config.max_retries) == (True, 60.0, 4, 5)


def test_token_is_not_in_repr() -> None:
    config = _config(password="tok-abcdef-123456")
    assert "tok-abcdef-123456" not in repr(config)
    assert "tok-abcdef-123456" not in str(config)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"login": None}, "Username (login) of connection 'bc' is empty"),
        ({"login": ""}, "Username (login) of connection 'bc' is empty"),
        ({"password": None}, "API Token (password) of connection 'bc' is empty"),
        ({"password": "tok "}, "API Token (password) of connection 'bc' has leading or trailing spaces"),
        ({"login": " reader"}, "Username (login) of connection 'bc' has leading or trailing spaces"),
        ({"login": "a:b"}, "contains ':'"),
        ({"extra": {"verify": False}}, "Extra 'verify' of connection 'bc' is false: this API must be reached over verified TLS"),
        ({"extra": {"verify": "false"}}, "Extra 'verify' of connection 'bc' is false"),
        ({"extra": {"verify": "/no/such/ca.pem"}}, "names a CA bundle that does not exist: '/no/such/ca.pem'"),
        ({"extra": {"timeout": "soon"}}, "Extra 'timeout' of connection 'bc' must be a number"),
        ({"extra": {"timeout": 0}}, "Extra 'timeout' of connection 'bc' must be a number"),
        ({"extra": {"concurrency": 0}}, "Extra 'concurrency' of connection 'bc' must be a number from 1 to 64"),
        ({"extra": {"concurrency": 2.5}}, "Extra 'concurrency' of connection 'bc' must be a whole number"),
        ({"extra": {"max_retries": -1}}, "Extra 'max_retries' of connection 'bc' must be a number from 0 to 50"),
        ({"extra": {"concurency": 4}}, "Unknown extra 'concurency' in connection 'bc'"),
    ],
)
def test_connection_mistakes_are_named(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _config(**fields)
    assert message in str(caught.value)
    assert "s3cret-token" not in str(caught.value)


def test_extras_from_the_ui_as_strings_and_with_the_legacy_prefix(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    config = _config(extra={"extra__bigcommerce__verify": str(bundle), "timeout": "12.5", "concurrency": "8", "max_retries": None, "retry_backoff": ""})
    assert (config.verify, config.timeout, config.concurrency, config.max_retries) == (str(bundle), 12.5, 8, 5)
