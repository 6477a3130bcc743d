"""Optional plugins, advertised under the ``wisdom.plugins`` entry-point group."""
