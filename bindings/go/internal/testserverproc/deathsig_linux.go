// On Linux the server dies with the test process, even when the test binary
// is killed before it can stop the server.
package testserverproc

import (
	"os/exec"
	"syscall"
)

func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
