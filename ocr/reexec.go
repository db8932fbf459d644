//go:build linux

package ocr

import (
	"os"
	"syscall"
)

// NoReexecEnv, when set to "1" in the environment, stops the package from
// restarting the process to put OMP_THREAD_LIMIT=1 in place.
const NoReexecEnv = "MISIS_OCR_NO_REEXEC"

// init restarts the process with OMP_THREAD_LIMIT=1 when it is missing.
// GNU OpenMP, which Tesseract uses, reads the variable only when it is
// loaded, which happens before any Go code runs, so setting it later has
// no effect; the only way to put it in place from inside is to execute
// the same program again with it set. The restart happens once, at start,
// before anything else: the process keeps its id, arguments and open
// files. Set OMP_THREAD_LIMIT yourself (as the service unit does) to
// avoid it.
func init() {
	if os.Getenv(ompLimit) != "" || os.Getenv(NoReexecEnv) == "1" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	env := append(os.Environ(), ompLimit+"=1")
	// On failure carry on: slower, but correct.
	_ = syscall.Exec(exe, os.Args, env)
}
