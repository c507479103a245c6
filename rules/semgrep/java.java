// semgrep --test cases for java.yaml: `ruleid:` marks the next line as a finding of that rule,
// `ok:` as none. Not compiled.
package example;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.thoughtworks.xstream.XStream;
import java.beans.XMLDecoder;
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import javax.crypto.Cipher;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.apache.commons.codec.digest.DigestUtils;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.util.HtmlUtils;

public class Examples extends HttpServlet {
    private Connection connection;

    void findUser(Statement statement, String id) throws Exception {
        // ruleid: java-sql-injection
        statement.executeQuery("SELECT * FROM users WHERE id = '" + id + "'");
        // ruleid: java-sql-injection
        connection.prepareStatement(String.format("DELETE FROM users WHERE id = %s", id));
        String sql = "UPDATE users SET active = 0 WHERE name = '" + id + "'";
        // ruleid: java-sql-injection
        statement.executeUpdate(sql);
        // ok: java-sql-injection
        PreparedStatement ps = connection.prepareStatement("SELECT * FROM users WHERE id = ?");
        ps.setString(1, id);
        // ok: java-sql-injection
        statement.executeQuery("SELECT count(*) FROM users");
        // ok: java-sql-injection
        statement.executeQuery("SELECT count(*) FROM " + id);
        // ok: java-sql-injection
        statement.executeQuery("SELECT name FROM users WHERE id = " + "1");
        String relid = statement.executeQuery("SELECT typrelid FROM pg_type").getString(1);
        // ok: java-sql-injection
        statement.executeQuery("SELECT attname FROM pg_attribute WHERE attrelid = " + relid);
    }

    void run(String directory) throws Exception {
        // ruleid: java-command-injection
        Runtime.getRuntime().exec("tar czf /tmp/backup.tgz " + directory);
        // ruleid: java-command-injection
        new ProcessBuilder("sh", "-c", "ls " + directory).start();
        // ok: java-command-injection
        new ProcessBuilder("tar", "czf", "/tmp/backup.tgz", directory).start();
        // ok: java-command-injection
        Runtime.getRuntime().exec(new String[] {"tar", "czf", "/tmp/backup.tgz", directory});
    }

    Object evaluate(HttpServletRequest request, String configured) throws Exception {
        String script = request.getParameter("script");
        String expression = request.getParameter("expression");
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
        // ruleid: java-code-injection
        engine.eval(script);
        ExpressionParser parser = new SpelExpressionParser();
        // ruleid: java-code-injection
        parser.parseExpression(expression).getValue();
        // ok: java-code-injection
        engine.eval("1 + 2");
        // ok: java-code-injection
        engine.eval(configured);
        // ok: java-code-injection
        return parser.parseExpression("'constant'").getValue();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws Exception {
        String name = request.getParameter("file");
        // ruleid: java-path-traversal
        InputStream in = new FileInputStream("/srv/files/" + name);
        // ruleid: java-path-traversal
        File file = new File("/srv/files", name);
        // ok: java-path-traversal
        Path safe = Paths.get("/srv/files").resolve(Paths.get(name).getFileName());
        // ok: java-path-traversal
        new File("/srv/files/index.html");

        // ruleid: java-ssrf
        new URL(request.getParameter("url")).openStream();
        // ok: java-ssrf
        new URL("https://api.example.com/status").openStream();

        PrintWriter out = response.getWriter();
        // ruleid: java-servlet-xss
        out.println("<h1>Hello " + request.getParameter("name") + "</h1>");
        // ruleid: java-servlet-xss
        response.getWriter().write(request.getHeader("Referer"));
        // ok: java-servlet-xss
        out.println("<h1>Hello " + HtmlUtils.htmlEscape(request.getParameter("name")) + "</h1>");
        // ok: java-servlet-xss
        out.println("<h1>Hello</h1>");
        // ok: java-servlet-xss
        out.println("<a href='?q=" + URLEncoder.encode(request.getParameter("q"), "UTF-8") + "'>next</a>");
        // ok: java-servlet-xss
        out.println("<p>" + escape(request.getParameter("name")) + "</p>");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws Exception {
        response.setContentType("text/plain");
        // ok: java-servlet-xss
        response.getWriter().print(request.getParameter("id"));
    }

    byte[] digests(byte[] data) throws Exception {
        // ruleid: java-weak-hash
        MessageDigest.getInstance("MD5").digest(data);
        // ruleid: java-weak-hash
        MessageDigest.getInstance("SHA-1");
        // ruleid: java-weak-hash
        DigestUtils.md5Hex(data);
        // ok: java-weak-hash
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    void ciphers() throws Exception {
        // ruleid: java-weak-cipher
        Cipher.getInstance("DES/CBC/PKCS5Padding");
        // ruleid: java-weak-cipher
        Cipher.getInstance("AES/ECB/PKCS5Padding");
        // ruleid: java-weak-cipher
        Cipher.getInstance("AES");
        // ok: java-weak-cipher
        Cipher.getInstance("AES/GCM/NoPadding");
    }

    Object load(java.net.Socket socket, String xml, ObjectMapper mapper) throws Exception {
        ObjectInputStream objects = new ObjectInputStream(socket.getInputStream());
        // ruleid: java-insecure-deserialization
        Object value = objects.readObject();
        // ruleid: java-insecure-deserialization
        new XMLDecoder(input).readObject();
        // ruleid: java-insecure-deserialization
        new XStream().fromXML(xml);
        // ruleid: java-insecure-deserialization
        mapper.enableDefaultTyping();
        // ok: java-insecure-deserialization
        mapper.readValue(xml, Examples.class);
        return value;
    }

    Object deserialize(byte[] bytes) throws Exception {
        // ok: java-insecure-deserialization
        return (Object) new ObjectInputStream(new java.io.ByteArrayInputStream(bytes)).readObject();
    }

    Object fromString(String key) throws Exception {
        ObjectInputStream objects = new ObjectInputStream(new java.io.ByteArrayInputStream(key.getBytes()));
        // ok: java-insecure-deserialization
        return objects.readObject();
    }

    Object fromBlob(java.sql.ResultSet rs, String column) throws Exception {
        InputStream binary = rs.getBlob(column).getBinaryStream();
        ObjectInputStream objects = new ObjectInputStream(binary);
        // ruleid: java-insecure-deserialization
        return objects.readObject();
    }

    private void readObject(ObjectInputStream stream) throws Exception {
        // ok: java-insecure-deserialization
        Object state = stream.readObject();
    }

    void trustEveryone(HttpsURLConnection connection) {
        // ruleid: java-tls-verification-disabled
        connection.setHostnameVerifier((host, session) -> true);
        // ok: java-tls-verification-disabled
        connection.setHostnameVerifier((host, session) -> host.equals("api.example.com"));
    }

    static class TrustAll implements X509TrustManager {
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        // ruleid: java-tls-verification-disabled
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

@RestController
class Greeter {
    private final RestTemplate rest = new RestTemplate();

    @GetMapping("/preview")
    String preview(@RequestParam("url") String url, @RequestParam String file) {
        // ruleid: java-ssrf
        String page = rest.getForObject(url, String.class);
        // ruleid: java-path-traversal
        new File(file);
        return page;
    }
}

// ruleid: java-spring-security-debug
@EnableWebSecurity(debug = true)
class SecurityConfig {}

// ok: java-spring-security-debug
@EnableWebSecurity
class ProductionSecurityConfig {}
