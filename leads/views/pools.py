"""Lead pools and their contacts, for managers."""
