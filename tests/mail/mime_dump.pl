#!/usr/bin/perl
# Reads one message on stdin and prints what Email::MIME (an independent MIME
# parser, Debian libemail-mime-perl) makes of it, as JSON: decoded subject,
# address headers as [name, address] pairs, and every leaf part.
use strict;
use warnings;
use Email::MIME;
use Email::Address::XS qw(parse_email_addresses);
use Encode qw(decode);
use JSON::PP;
use MIME::Base64 qw(encode_base64);

binmode STDIN;
local $/;
my $raw = <STDIN>;
my $email = Email::MIME->new($raw);

sub addresses {
    my ($name) = @_;
    my $value = $email->header_raw($name);
    return [] unless defined $value;
    return [
        map {
            my $phrase = $_->phrase;
            [ defined $phrase ? decode('MIME-Header', $phrase) : undef, $_->address ]
        } parse_email_addresses($value)
    ];
}

my @parts;
$email->walk_parts(sub {
    my ($part) = @_;
    return if $part->subparts;
    push @parts, {
        content_type => scalar $part->content_type,
        filename     => scalar $part->filename,
        disposition  => scalar $part->header('Content-Disposition'),
        body_base64  => encode_base64($part->body, ''),
    };
});

print JSON::PP->new->utf8->canonical->encode({
    subject => scalar $email->header_str('Subject'),
    from    => addresses('From'),
    to      => addresses('To'),
    cc      => addresses('Cc'),
    bcc     => addresses('Bcc'),
    parts   => \@parts,
});
