"""The product's main job: shoppers talk from a browser tab or a phone call."""
