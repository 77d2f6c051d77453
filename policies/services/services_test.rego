package services_test

import data.services

frontend := "spiffe://shop.example/ns/web/sa/frontend"

orders := "spiffe://shop.example/ns/shop/sa/orders"

call(ids, method, host, path) := {
	"peer": {"subject": "CN=client", "uris": ids, "dns": [], "fingerprint256": "00", "issuer": "CN=Shop CA"},
	"request": {"method": method, "path": path, "host": host, "headers": {}},
}

test_frontend_reads_orders if {
	d := services.decision with input as call([frontend], "GET", "orders.shop.svc", "/orders/42")
	d.allow
	d.reasons == {"spiffe://shop.example/ns/web/sa/frontend may call orders"}
}

test_frontend_creates_orders if {
	services.allow with input as call([frontend], "post", "orders.shop.svc", "/orders")
}

test_frontend_may_not_delete_orders if {
	d := services.decision with input as call([frontend], "DELETE", "orders.shop.svc", "/orders/42")
	not d.allow
	d.reasons == {"spiffe://shop.example/ns/web/sa/frontend may not DELETE /orders/42 on orders"}
}

test_path_glob_stops_at_slash if {
	not services.allow with input as call([frontend], "GET", "orders.shop.svc", "/orders/42/internal")
}

test_frontend_may_not_call_payments if {
	d := services.decision with input as call([frontend], "POST", "payments.shop.svc", "/charges")
	not d.allow
	d.reasons == {"no edge from spiffe://shop.example/ns/web/sa/frontend to payments"}
}

test_orders_charges_payments if {
	services.allow with input as call([orders], "POST", "payments.shop.svc", "/charges")
}

test_callee_named_in_resource if {
	services.allow with input as object.union(
		call([orders], "POST", "gavel.internal", "/charges"),
		{"resource": {"service": "payments"}},
	)
}

test_wildcard_edge_for_metrics if {
	prometheus := "spiffe://shop.example/ns/ops/sa/prometheus"
	services.allow with input as call([prometheus], "GET", "payments.shop.svc", "/metrics")
	not services.allow with input as call([prometheus], "GET", "payments.shop.svc", "/charges")
}

test_no_certificate_is_denied if {
	d := services.decision with input as {"request": {"method": "GET", "path": "/orders", "host": "orders.shop.svc", "headers": {}}}
	not d.allow
	"no client certificate" in d.reasons
}

test_foreign_trust_domain_is_denied if {
	d := services.decision with input as call(["spiffe://evil.example/ns/web/sa/frontend"], "GET", "orders.shop.svc", "/orders")
	not d.allow
	"no identity in trust domain shop.example" in d.reasons
}

test_identity_found_among_other_uris if {
	services.allow with input as call(["https://frontend.example", frontend], "GET", "orders.shop.svc", "/orders")
}

test_edges_come_from_data if {
	not services.allow with input as call([frontend], "GET", "orders.shop.svc", "/orders") with data.services.edges as []
}
