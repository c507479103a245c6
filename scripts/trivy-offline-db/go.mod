module scangate.test/trivy-offline-db

go 1.25.0

require go.etcd.io/bbolt v1.5.0

// bbolt asks for x/sys v0.45.0; v0.47.0 is the one a machine that built trivy from source holds,
// so the tests build this without the network.
require golang.org/x/sys v0.47.0 // indirect
