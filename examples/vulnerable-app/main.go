// Package main is a deliberately vulnerable HTTP service: scangate's example repository.
// Every problem here is planted and listed in README.md. Do not deploy it.
package main

import (
	"database/sql"
	"net/http"
	"os/exec"
)

var db *sql.DB

// runReport passes a query parameter to a shell: command injection.
func runReport(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	out, err := exec.Command("sh", "-c", "generate-report "+name).Output()
	if err != nil {
		http.Error(w, "report failed", http.StatusInternalServerError)
		return
	}
	w.Write(out)
}

// findUser concatenates a query parameter into SQL: SQL injection.
func findUser(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	rows, err := db.Query("SELECT name FROM users WHERE id = '" + id + "'")
	if err != nil {
		http.Error(w, "lookup failed", http.StatusInternalServerError)
		return
	}
	defer rows.Close()
}

func main() {
	http.HandleFunc("/report", runReport)
	http.HandleFunc("/user", findUser)
	http.ListenAndServe(":8080", nil)
}
