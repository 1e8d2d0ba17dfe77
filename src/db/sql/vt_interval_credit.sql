-- Seconds of [p_last, p_now] that count: at most the credit cap (a gap counts once, at most a
-- beat's worth), and while paused (p_paused_at set) only until the pause has lasted the pause
-- grace (vt_rule). The one definition of a stretch's credit.
create or replace function vt_interval_credit(p_last timestamptz, p_paused_at timestamptz, p_now timestamptz)
returns integer
language sql immutable
as $function$
  select greatest(0, round(least(
    extract(epoch from (p_now - p_last)),
    vt_rule('credit_cap_seconds'),
    case when p_paused_at is null then vt_rule('credit_cap_seconds')
         else extract(epoch from (p_paused_at - p_last)) + vt_rule('pause_grace_seconds') end
  )))::integer
$function$;
