"""Apache Airflow provider for BigCommerce stores."""

__version__ = "0.1.0"
