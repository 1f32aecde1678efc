"""HubSpot: the client layer (limiter, retry, counting), the adapter, and the property setup."""
