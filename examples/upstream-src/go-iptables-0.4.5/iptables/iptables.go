// Copyright 2015 CoreOS, Inc.
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.

package iptables

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

// Protocol to differentiate between IPv4 and IPv6
type Protocol byte

const (
	ProtocolIPv4 Protocol = iota
	ProtocolIPv6
)

type IPTables struct {
	path  string
	proto Protocol
}

// New creates a new IPTables for IPv4.
func New() (*IPTables, error) {
	return NewWithProtocol(ProtocolIPv4)
}

// NewWithProtocol creates a new IPTables for the given proto.
func NewWithProtocol(proto Protocol) (*IPTables, error) {
	name := "iptables"
	if proto == ProtocolIPv6 {
		name = "ip6tables"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return nil, err
	}
	return &IPTables{path: path, proto: proto}, nil
}

// Append appends rulespec to specified table/chain
func (ipt *IPTables) Append(table, chain string, rulespec ...string) error {
	cmd := append([]string{"-t", table, "-A", chain}, rulespec...)
	return ipt.run(cmd...)
}

func (ipt *IPTables) run(args ...string) error {
	var stderr bytes.Buffer
	c := exec.Command(ipt.path, append([]string{"--wait"}, args...)...)
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("running %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return nil
}
