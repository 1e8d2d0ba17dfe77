-- The parental pause of a profile in force at an instant: the one definition of "paused" (a span
-- that has started, is not closed, and has no end yet or ends later). SQL and stable, so a
-- statement that calls it inlines it and finds the open pause by its partial unique index.
create or replace function vt_pause_of(p_profile uuid, p_at timestamptz)
returns setof family_rule_spans
language sql stable
as $function$
  select * from family_rule_spans s
   where s.profile_id = p_profile and s.kind = 'pause' and s.closed_at is null and s.started_at <= p_at and (s.ends_at is null or s.ends_at > p_at)
$function$;
