// graph.reachable, graph.reachable_paths.

import { newSet, objGet, setAdd, setHas } from "../collections";
import { operandError } from "../errors";
import {
	arrGet,
	arrPush,
	collClone,
	collLen,
	K_ARR,
	K_OBJ,
	K_SET,
	kind,
	makeArray,
	makeSet,
} from "../values";

/** Neighbours of a node: an array or set of nodes (null or anything else: none). */
function edges(g: usize, node: usize): usize {
	const e = objGet(g, node);
	if (e == 0) return 0;
	const k = kind(e);
	return k == K_ARR || k == K_SET ? e : 0;
}

function checkArgs(name: string, g: usize, init: usize): bool {
	if (kind(g) != K_OBJ) {
		operandError(name, 1, "object", g);
		return false;
	}
	const k = kind(init);
	if (k != K_ARR && k != K_SET) {
		operandError(name, 2, "{array, set}", init);
		return false;
	}
	return true;
}

export function b_graph__reachable(g: usize, init: usize): usize {
	if (!checkArgs("graph.reachable", g, init)) return 0;
	const seen = newSet();
	const queue = makeArray(8);
	for (let i: u32 = 0; i < collLen(init); i++) arrPush(queue, arrGet(init, i));
	for (let q: u32 = 0; q < collLen(queue); q++) {
		const node = arrGet(queue, q);
		if (setHas(seen, node) || objGet(g, node) == 0) continue;
		setAdd(seen, node);
		const e = edges(g, node);
		if (e == 0) continue;
		for (let i: u32 = 0; i < collLen(e); i++) arrPush(queue, arrGet(e, i));
	}
	return seen;
}

function paths(g: usize, path: usize, out: usize): void {
	const node = arrGet(path, collLen(path) - 1);
	const e = edges(g, node);
	let extended = false;
	if (e != 0) {
		for (let i: u32 = 0; i < collLen(e); i++) {
			const next = arrGet(e, i);
			if (objGet(g, next) == 0 || onPath(path, next)) continue;
			arrPush(path, next);
			paths(g, path, out);
			store<u32>(path, collLen(path) - 1, 4);
			extended = true;
		}
	}
	if (!extended) setAdd(out, collClone(path));
}

function onPath(path: usize, node: usize): bool {
	const tmp = makeSet(0);
	for (let i: u32 = 0; i < collLen(path); i++) setAdd(tmp, arrGet(path, i));
	return setHas(tmp, node);
}

export function b_graph__reachable_paths(g: usize, init: usize): usize {
	if (!checkArgs("graph.reachable_paths", g, init)) return 0;
	const out = newSet();
	for (let i: u32 = 0; i < collLen(init); i++) {
		const start = arrGet(init, i);
		if (objGet(g, start) == 0) continue;
		const path = makeArray(8);
		arrPush(path, start);
		paths(g, path, out);
	}
	return out;
}
