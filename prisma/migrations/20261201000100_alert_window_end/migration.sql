-- An alert is one per code, kind and window, and a window is its start and its end: a campaign whose
-- velocityAlert.windowSeconds changes lays out windows of another length from the same start, and
-- the first of them is another window, whose holds may raise an alert of their own.
DROP INDEX "alert_code_id_kind_window_start_key";
CREATE UNIQUE INDEX "alert_code_id_kind_window_start_window_end_key" ON "alert"("code_id", "kind", "window_start", "window_end");
