"""The demo registry built from the five seed plans (registry.json)."""
