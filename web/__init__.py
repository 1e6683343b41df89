"""What the apps' views share and no app owns (no models, no views)."""
