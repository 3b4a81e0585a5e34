package dev.beacon.server.storage;

import java.util.List;

/** A query's answer: column names and rows of plain values (strings, numbers, nulls). */
public record Table(List<String> columns, List<List<Object>> rows) {}
