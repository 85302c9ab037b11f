"""Local stand-ins for external services, served on real loopback sockets."""
