package Try::Tiny; # git description: v0.29-2-g3b23a06
use 5.006;
# ABSTRACT: Minimal try/catch with proper preservation of $@

our $VERSION = '0.30';

use strict;
use warnings;

use Exporter 5.57 'import';
our @EXPORT = our @EXPORT_OK = qw(try catch finally);

use Carp;
$Carp::Internal{+__PACKAGE__}++;

sub try (&;@) {
  my ( $try, @code_refs ) = @_;

  my ( $catch, @finally );
  foreach my $code_ref (@code_refs) {
    if ( ref($code_ref) eq 'Try::Tiny::Catch' ) {
      croak 'A try() may not be followed by multiple catch() blocks'
        if $catch;
      $catch = ${$code_ref};
    } elsif ( ref($code_ref) eq 'Try::Tiny::Finally' ) {
      push @finally, ${$code_ref};
    } else {
      croak( 'try() encountered an unexpected argument ('
        . ( defined $code_ref ? $code_ref : 'undef' )
        . ') - perhaps a missing semi-colon before or' );
    }
  }

  my $prev_error = $@;
  my ( @ret, $error );
  my $failed = not eval {
    $@ = $prev_error;
    @ret = $try->();
    return 1;
  };
  $error = $@;
  $@ = $prev_error;

  $_->() for @finally;
  if ( $failed ) {
    if ( $catch ) {
      for ($error) {
        return $catch->($error);
      }
    }
    return;
  }
  return wantarray ? @ret : $ret[0];
}

sub catch (&;@) {
  my ( $block, @rest ) = @_;
  croak 'Useless bare catch()' unless wantarray;
  return ( bless(\$block, 'Try::Tiny::Catch'), @rest );
}

sub finally (&;@) {
  my ( $block, @rest ) = @_;
  croak 'Useless bare finally()' unless wantarray;
  return ( bless(\$block, 'Try::Tiny::Finally'), @rest );
}

1;

__END__

=pod

=encoding UTF-8

=head1 NAME

Try::Tiny - Minimal try/catch with proper preservation of $@

=head1 VERSION

version 0.30

=head1 SYNOPSIS

  try {
    die "foo";
  } catch {
    warn "caught error: $_"; # not $@
  };

=head1 LICENSE

This software is Copyright (c) 2009 by Yuval Kogman. This is free software,
licensed under the MIT (X11) License.

=cut
