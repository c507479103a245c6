// semgrep --test cases for go.yaml: `ruleid:` marks the next line as a finding of that rule,
// `ok:` as none. Not built.
package main

// ruleid: go-pprof-exposed
import (
	"crypto/des"
	"crypto/md5"
	"crypto/rc4"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/gob"
	"fmt"
	"html"
	"html/template"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/gin-gonic/gin"
)

var db *sql.DB

func findUser(id string) {
	// ruleid: go-sql-string-concatenation
	db.Query("SELECT name FROM users WHERE id = '" + id + "'")
	// ruleid: go-sql-string-concatenation
	db.QueryRowContext(ctx, fmt.Sprintf("SELECT name FROM users WHERE id = %s", id))
	// ok: go-sql-string-concatenation
	db.Query("SELECT name FROM users WHERE id = $1", id)
	// ok: go-sql-string-concatenation
	fmt.Println("user " + id)
	// ruleid: go-sql-string-concatenation
	db.Exec("UPDATE users SET name = '" + id + "' WHERE active")
	// ok: go-sql-string-concatenation
	db.QueryRow("SELECT COUNT(*) FROM " + table)
	// ok: go-sql-string-concatenation
	http.Get(fmt.Sprintf("%s/users?id=%s", base, id))
	// ok: go-sql-string-concatenation
	db.Query(fmt.Sprintf("SELECT name FROM users WHERE id = %d", n))
	// ok: go-sql-string-concatenation
	db.QueryRow("SELECT user_id FROM resets WHERE token = ? AND created > "+store.dateSub(3, "HOUR"), id)
	// ruleid: go-sql-string-concatenation
	db.Query("SELECT name FROM users WHERE name = '" + strings.ToLower(id) + "'")
}

func report(name string) {
	// ruleid: go-exec-shell-command
	exec.Command("sh", "-c", "generate-report "+name).Run()
	// ok: go-exec-shell-command
	exec.Command("generate-report", name).Run()
	// ok: go-exec-shell-command
	exec.Command("sh", "-c", "cd && pwd").Run()
}

func preview(w http.ResponseWriter, r *http.Request) {
	text := r.FormValue("template")
	// ruleid: go-template-injection
	tmpl, _ := template.New("page").Parse(text)
	// ok: go-template-injection
	page := template.Must(template.New("page").Parse("<p>{{.}}</p>"))
	page.Execute(w, text)
	tmpl.Execute(w, nil)
}

func download(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("file")
	// ruleid: go-path-traversal
	data, _ := os.ReadFile(filepath.Join("/srv/files", name))
	// ruleid: go-path-traversal
	http.ServeFile(w, r, "/srv/files/"+name)
	// ok: go-path-traversal
	os.ReadFile(filepath.Join("/srv/files", filepath.Base(name)))
	// ok: go-path-traversal
	os.ReadFile("/srv/files/index.html")
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
}

func proxy(w http.ResponseWriter, r *http.Request) {
	target := r.FormValue("url")
	// ruleid: go-ssrf
	resp, err := http.Get(target)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	// ruleid: go-ssrf
	req, _ := http.NewRequest("GET", "https://"+r.Header.Get("X-Host")+"/status", nil)
	// ok: go-ssrf
	http.Get("https://api.example.com/status")
	_ = req
}

func greet(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	// ruleid: go-xss
	fmt.Fprintf(w, "<h1>Hello %s</h1>", name)
	// ruleid: go-xss
	w.Write([]byte("<p>" + name + "</p>"))
	// ok: go-xss
	fmt.Fprintf(w, "<h1>Hello %s</h1>", html.EscapeString(name))
	count, _ := strconv.Atoi(r.FormValue("count"))
	// ok: go-xss
	fmt.Fprintf(w, "<p>%d items</p>", count)
	// ok: go-xss
	fmt.Fprintf(w, "Hello %s", name)
	// ok: go-xss
	w.Write([]byte(fmt.Sprintf("User: %s", name)))
}

type tokens struct{}

func (t *tokens) lookup(path string) ([]byte, error) { return nil, nil }

func (t *tokens) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := t.lookup(r.URL.Path)
		// ok: go-xss
		w.Write(data)
	})
}

func cacheKey(data []byte) string {
	// ok: go-weak-hash
	md5.Sum(data)
	return ""
}

func (t *tokens) signature(data []byte) [20]byte {
	// ruleid: go-weak-hash
	return sha1.Sum(data)
}

func passwordDigests(data []byte, key []byte) {
	// ruleid: go-weak-hash
	md5.Sum(data)
	// ruleid: go-weak-hash
	sha1.New()
	// ok: go-weak-hash
	sha256.Sum256(data)
	// ruleid: go-weak-cipher
	des.NewCipher(key)
	// ruleid: go-weak-cipher
	rc4.NewCipher(key)
}

func restore(w http.ResponseWriter, r *http.Request) {
	var state map[string]string
	// ruleid: go-gob-untrusted-input
	gob.NewDecoder(r.Body).Decode(&state)
	file, _ := os.Open("/var/lib/app/state.gob")
	// ok: go-gob-untrusted-input
	gob.NewDecoder(file).Decode(&state)
}

func client() *http.Client {
	// ruleid: go-tls-insecure-skip-verify
	insecure := &tls.Config{InsecureSkipVerify: true}
	// ok: go-tls-insecure-skip-verify
	safe := &tls.Config{MinVersion: tls.VersionTLS12}
	_ = safe
	return &http.Client{Transport: &http.Transport{TLSClientConfig: insecure}}
}

func router() *gin.Engine {
	// ruleid: go-gin-debug-mode
	gin.SetMode(gin.DebugMode)
	// ok: go-gin-debug-mode
	gin.SetMode(gin.ReleaseMode)
	return gin.New()
}
