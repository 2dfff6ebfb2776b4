"""sdt-pkg-resources."""
