"""In-app notifications, and the plain emails that point to them."""
