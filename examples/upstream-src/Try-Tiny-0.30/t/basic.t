use strict;
use warnings;

use Test::More tests => 3;

use Try::Tiny;

my $value = try { 42 };
is( $value, 42, 'try returns the block value' );

my $caught = try { die "oops\n" } catch { "caught $_" };
is( $caught, "caught oops\n", 'catch sees the error in $_' );

my $finally_ran;
try { 1; } finally { $finally_ran = 1; };
ok( $finally_ran, 'finally block ran' );
