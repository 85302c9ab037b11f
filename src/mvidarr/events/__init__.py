"""Live events: the hub that fans them out and the WebSocket that delivers them."""
