"""The law: rule sets that turn the register's events into "in force on D, as known on K"."""
