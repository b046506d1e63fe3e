"""Services: what IP service centres deliver to companies — infringement-risk screening, layout reports.

They read the register through the law (only rights in force on D as known on K) and never decide
legal status from text.
"""
