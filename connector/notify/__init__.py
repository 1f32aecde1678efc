"""Telling people about a lead's transition: a task for its owner in the CRM (`tasks`)."""
