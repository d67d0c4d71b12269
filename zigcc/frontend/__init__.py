"""``zigcc build``: a target x Python matrix of isolated PEP 517 builds (on pypa/build),
each backend process seeing only its target, every wheel verified before it is kept."""
