try:
    from _zt_optional import crc32  # the C speed-up, when it was built
    COMPILED = True
except ImportError:
    import binascii

    crc32 = binascii.crc32
    COMPILED = False
