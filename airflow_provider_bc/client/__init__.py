"""The BigCommerce API client (v2, and v3 with an OAuth account). It imports nothing from Airflow."""

from airflow_provider_bc.client.client import BigCommerceClient, RequestStats
from airflow_provider_bc.client.config import ClientConfig, normalize_api_path
from airflow_provider_bc.client.errors import (
    AuthenticationError,
    BadRequestError,
    BigCommerceError,
    ConfigurationError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TLSError,
    TransportError,
    UnexpectedResponseError,
)
from airflow_provider_bc.client.limiter import RateLimiter
from airflow_provider_bc.client.resources import CATALOGUE, Resource, get_resource
from airflow_provider_bc.client.retry import RetryPolicy

__all__ = [
    "CATALOGUE",
    "AuthenticationError",
    "BadRequestError",
    "BigCommerceClient",
    "BigCommerceError",
    "ClientConfig",
    "ConfigurationError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RateLimiter",
    "RequestStats",
    "Resource",
    "RetryPolicy",
    "ServerError",
    "TLSError",
    "TransportError",
    "UnexpectedResponseError",
    "get_resource",
    "normalize_api_path",
]
