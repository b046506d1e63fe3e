"""Administrative divisions (GB/T 2260): codes, hierarchy and retired codes."""
