import unittest

import idna


class IDNATests(unittest.TestCase):
    def test_ascii_label(self):
        self.assertEqual(idna.encode('example.com'), b'example.com')

    def test_label_too_long(self):
        self.assertRaises(idna.IDNAError, idna.encode, 'a' * 64 + '.com')


if __name__ == '__main__':
    unittest.main()
