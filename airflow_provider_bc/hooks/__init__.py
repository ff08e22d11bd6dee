"""Airflow hooks of the BigCommerce provider."""
