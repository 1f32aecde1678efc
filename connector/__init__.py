"""leadscore: score CRM leads from a version-controlled model and write the scores back."""

__version__ = "0.1.0"
