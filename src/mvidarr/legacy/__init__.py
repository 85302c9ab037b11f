"""Import from MVidarr 0.9.7: its MariaDB/MySQL database read through a read-only connection."""
