"""Every write of the reviews app, one module per area (step 1: imports and quality)."""
