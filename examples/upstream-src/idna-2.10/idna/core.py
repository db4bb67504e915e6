import re

_alabel_prefix = b'xn--'
_unicode_dots_re = re.compile(u'[\u002e\u3002\uff0e\uff61]')


class IDNAError(UnicodeError):
    """ Base exception for all IDNA-encoding related problems """
    pass


def valid_label_length(label):
    if len(label) > 63:
        return False
    return True


def encode(s, strict=False, uts46=False, std3_rules=False, transitional=False):
    if isinstance(s, (bytes, bytearray)):
        s = s.decode("ascii")
    labels = s.split('.') if strict else _unicode_dots_re.split(s)
    result = []
    for label in labels:
        if not valid_label_length(label):
            raise IDNAError('Label too long')
        result.append(label.encode('punycode') if not label.isascii()
                      else label.encode('ascii'))
    return b'.'.join(result)
