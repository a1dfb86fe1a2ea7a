//go:build !linux

// Elsewhere there is no parent-death signal; Stop must be called.
package testserverproc

import "os/exec"

func setDeathSignal(*exec.Cmd) {}
