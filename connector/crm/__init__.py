"""CRM adapters: one module per CRM behind the small interface in `connector.crm.base`."""
