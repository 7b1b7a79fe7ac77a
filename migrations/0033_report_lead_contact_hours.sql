-- Hours to first contact (report_lead_contact) were computed as julianday differences × 24 truncated to an
-- integer: a floating-point difference of exactly 5 h is 4.999… and counted as 4. The difference is now rounded
-- to whole milliseconds first, then divided in integers (whole hours, rounded down as before).
DROP TRIGGER report_lead_status;
CREATE TRIGGER report_lead_status AFTER INSERT ON lead_status_change
BEGIN
  INSERT INTO report_lead_contact (scope_id, month, source, campaign, hours, leads)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign,
    max(0, CAST(round((julianday(new.created_at) - julianday(r.created_at)) * 86400000) AS INTEGER) / 3600000), 1
  FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s
  WHERE r.lead_id = new.lead_id AND r.contacted = 0 AND new.from_status = 'NEW' AND new.to_status != 'NEW'
    AND (s.k = 0 OR r.distributor_id IS NOT NULL)
  ON CONFLICT (scope_id, month, source, campaign, hours) DO UPDATE SET leads = leads + 1;
  INSERT INTO report_lead_funnel (scope_id, month, source, campaign, stage, leads)
  SELECT CASE s.k WHEN 0 THEN 0 ELSE r.distributor_id END, r.month, r.source, r.campaign, t.stage, 1
  FROM report_lead r, (SELECT 0 AS k UNION ALL SELECT 1) s,
    (SELECT 1 AS stage UNION ALL SELECT 2 UNION ALL SELECT 3) t
  WHERE r.lead_id = new.lead_id AND (s.k = 0 OR r.distributor_id IS NOT NULL)
    AND t.stage > r.stage
    AND t.stage <= CASE new.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END
  ON CONFLICT (scope_id, month, source, campaign, stage) DO UPDATE SET leads = leads + 1;
  UPDATE report_lead SET
    stage = max(stage, CASE new.to_status WHEN 'CONTACTED' THEN 1 WHEN 'QUALIFIED' THEN 2 WHEN 'CONVERTED' THEN 3 ELSE 0 END),
    contacted = contacted OR (new.from_status = 'NEW' AND new.to_status != 'NEW')
  WHERE lead_id = new.lead_id;
END;
