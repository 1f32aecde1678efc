"""CRM adapters: one package per CRM behind the small interface in `connector.crm.base`, reached
only through the registry in `connector.crm.registry`."""
