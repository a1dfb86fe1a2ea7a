// Gives the external example package the test server's address.
package feastaerospike

var (
	ExampleHost = func() string {
		if server == nil {
			return "127.0.0.1"
		}
		return server.Host
	}
	ExamplePort = func() int {
		if server == nil {
			return 1 // FAS_GO_UNIT_ONLY=1: no server; the example fails to connect
		}
		return server.Port
	}
)
