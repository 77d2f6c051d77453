// A test client for Gavel's Envoy ext_authz gRPC service, built on Envoy's own API types
// (github.com/envoyproxy/go-control-plane), calling Authorization/Check as Envoy does.
//
// It reads a JSON array of CheckRequests (protojson, as Envoy's API defines them) from the
// file named by -requests, sends each one, and prints one JSON line per request:
// {"code": <gRPC status code>, "error": "...", "response": <CheckResponse as protojson>}.
// With -ca it speaks TLS and verifies Gavel's certificate against that CA; -cert and -key add
// a client certificate, as Envoy presents one to an ext_authz cluster with mutual TLS.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:9191", "Gavel's gRPC address")
	requests := flag.String("requests", "", "file with a JSON array of CheckRequests")
	caFile := flag.String("ca", "", "CA certificate (PEM) to verify Gavel's TLS certificate; plaintext when empty")
	serverName := flag.String("server-name", "localhost", "TLS server name")
	certFile := flag.String("cert", "", "client certificate (PEM) for mutual TLS; needs -ca and -key")
	keyFile := flag.String("key", "", "client certificate's private key (PEM)")
	flag.Parse()

	raw, err := os.ReadFile(*requests)
	if err != nil {
		fail("read requests: %v", err)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		fail("requests file: %v", err)
	}

	creds := insecure.NewCredentials()
	if *caFile != "" {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			fail("read ca: %v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			fail("no certificate in %s", *caFile)
		}
		config := &tls.Config{RootCAs: pool, ServerName: *serverName}
		if *certFile != "" || *keyFile != "" {
			pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
			if err != nil {
				fail("client certificate: %v", err)
			}
			// Always presented, whatever CAs the server names as acceptable, as Envoy does: Go's
			// default would send none when its issuer is not among them, so a certificate from
			// another CA would never reach the server to be refused.
			config.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
				return &pair, nil
			}
		}
		creds = credentials.NewTLS(config)
	} else if *certFile != "" || *keyFile != "" {
		fail("-cert and -key need -ca (a client certificate is only sent over TLS)")
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		fail("dial: %v", err)
	}
	defer conn.Close()
	client := authv3.NewAuthorizationClient(conn)

	out := json.NewEncoder(os.Stdout)
	for _, item := range items {
		req := &authv3.CheckRequest{}
		if err := protojson.Unmarshal(item, req); err != nil {
			fail("CheckRequest: %v", err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		resp, err := client.Check(ctx, req)
		cancel()
		line := map[string]any{}
		if err != nil {
			st, _ := status.FromError(err)
			line["code"] = int(st.Code())
			line["error"] = st.Message()
		} else {
			body, err := protojson.Marshal(resp)
			if err != nil {
				fail("marshal response: %v", err)
			}
			line["code"] = 0
			line["response"] = json.RawMessage(body)
		}
		if err := out.Encode(line); err != nil {
			fail("write: %v", err)
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "envoy-grpc-client: "+format+"\n", args...)
	os.Exit(2)
}
