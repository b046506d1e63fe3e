"""Trademarks abroad (issue 32): how alike two marks are, clearance against a register, the squatting watch."""
