"""Airflow operators of the BigCommerce provider."""
