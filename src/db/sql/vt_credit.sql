-- Credits viewing to day rows under their row locks, for any number of rows at once (each row at
-- most once), by vt_count (the one clamp): exempt educational viewing to educational_seconds,
-- anything else to used_seconds but never past the allowance (vt_remaining: the day's limit,
-- grants and bank, and the week's) nor past the start of a break, and
-- nothing while a break runs. `granted` is what each row took, so a session keeps exactly that; a
-- credit that starts a break records the break (family_rule_spans) and says so (`break_started`),
-- so its caller writes the live event; so does a credit whose counted time reaches p_percent % of
-- the day's limit and grants, once per threshold and day (`alerted_percent`: a parent alert, SPEC
-- §3a; a threshold changed during the day may fire once more). Every credit of a day row goes through here: the
-- heartbeat's steady beats as one set, its other beats and a closing session one row at a time.
-- PL/pgSQL, not SQL, so that its plan is cached for the connection.
create or replace function vt_credit(p_balance uuid[], p_seconds integer[], p_title_educational boolean[], p_now timestamptz[], p_percent integer[] default null)
returns table (balance uuid, granted integer, used_seconds integer, educational_seconds integer, bonus_seconds integer,
               unlimited_override boolean, limit_minutes integer, educational_exempt boolean, day_end timestamptz,
               break_after_minutes integer, break_minutes integer, continuous_seconds integer, counted_at timestamptz,
               break_until timestamptz, break_started boolean, remaining integer, weekly_limit_minutes integer, week_end timestamptz,
               bank_cap_minutes integer, bank_seconds integer, week_used_seconds integer, week_bonus_seconds integer,
               finish_grace_minutes smallint, overtime_seconds integer, alerted_percent boolean, percent_alerted smallint)
language plpgsql
rows 8 -- a batch's steady beats: the planner joins its answers by index, never by scanning
as $function$
begin
  return query
  with credited as (
    update viewing_time_balances b set
      (credited_seconds, used_seconds, educational_seconds, continuous_seconds, counted_at, break_until, credit_started_break,
       credit_alerted_percent, percent_alerted) =
        (select k.granted, b.used_seconds + k.counted, b.educational_seconds + k.granted - k.counted, k.continuous, k.counted_at, k.break_until, k.started,
                a.reached, case when a.reached then c.pct::smallint else b.percent_alerted end
           from vt_count(c.seconds, b.educational_exempt and c.edu, c.at, b) k,
                lateral (select coalesce(c.pct is not null and k.counted > 0 and b.limit_minutes is not null and not b.is_unlimited_override
                                         and b.percent_alerted is distinct from c.pct
                                         and (b.used_seconds + k.counted) * 100 >= c.pct * (b.limit_minutes * 60 + b.bonus_seconds), false) as reached) a),
      updated_at = c.at
    from unnest(p_balance, p_seconds, p_title_educational, p_now, coalesce(p_percent, array_fill(null::integer, array[cardinality(p_balance)])))
      as c(id, seconds, edu, at, pct)
    where b.id = c.id
    returning b.id, b.profile_id, b.credited_seconds, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes,
              b.educational_exempt, b.day_end, b.break_after_minutes, b.break_minutes, b.continuous_seconds, b.counted_at, b.break_until,
              b.credit_started_break, vt_remaining(b) as remaining, b.weekly_limit_minutes, b.week_end, b.bank_cap_minutes, b.bank_seconds,
              b.week_used_seconds, b.week_bonus_seconds, b.finish_grace_minutes, b.overtime_seconds, b.credit_alerted_percent, b.percent_alerted),
  breaks as (
    insert into family_rule_spans (id, profile_id, kind, started_at, ends_at)
    select gen_random_uuid(), r.profile_id, 'break', r.break_until - make_interval(mins => r.break_minutes), r.break_until
      from credited r where r.credit_started_break)
  select r.id, r.credited_seconds, r.used_seconds, r.educational_seconds, r.bonus_seconds, r.is_unlimited_override, r.limit_minutes,
         r.educational_exempt, r.day_end, r.break_after_minutes, r.break_minutes, r.continuous_seconds, r.counted_at, r.break_until,
         r.credit_started_break, r.remaining, r.weekly_limit_minutes, r.week_end, r.bank_cap_minutes, r.bank_seconds, r.week_used_seconds,
         r.week_bonus_seconds, r.finish_grace_minutes, r.overtime_seconds, r.credit_alerted_percent, r.percent_alerted
    from credited r;
end
$function$;
