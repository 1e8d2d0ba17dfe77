-- The row of the viewing day containing p_now: the existing one, else one created from the day the
-- service computed (its time rules live in TypeScript: model.ts dayAt) when that day contains
-- p_now and was computed from the settings version still in force. Null: the caller must compute
-- the day first (it gets the settings from vt_config_json). The FOR SHARE lock orders this against
-- a settings change, which rewrites today's row in its own transaction. A new row carries the
-- break count over from the profile's latest row (a break is per profile, not per day: it runs
-- on past the reset hour), unless the new day has no break rule, and the week's figures and the
-- bank at its start (vt_week), computed here once from the week's earlier rows.
create or replace function vt_today_row(
  p_profile uuid, p_now timestamptz, p_day_date date, p_day_start timestamptz, p_day_end timestamptz,
  p_day_limit integer, p_day_exempt boolean, p_config_version integer, p_day_allowed tstzmultirange, p_day_ignores boolean,
  p_day_break_after integer, p_day_break_minutes integer, p_day_weekly integer, p_day_week_end timestamptz, p_day_bank_cap integer,
  p_day_grace integer)
returns uuid
language plpgsql
as $function$
declare
  v_id uuid;
begin
  select d.id into v_id from vt_day_of(p_profile, p_now) d;
  if found then
    return v_id;
  end if;
  if p_day_date is null or p_now < p_day_start or p_now >= p_day_end then
    return null;
  end if;
  perform 1 from viewing_time_configs c where c.profile_id = p_profile and c.version = p_config_version for share;
  if not found then
    return null;
  end if;
  insert into viewing_time_balances as b (id, profile_id, reset_date, day_start, day_end, limit_minutes, educational_exempt,
                                          allowed, educational_ignores_hours, break_after_minutes, break_minutes,
                                          continuous_seconds, counted_at, break_until, weekly_limit_minutes, week_end, bank_cap_minutes,
                                          bank_seconds, week_used_seconds, week_bonus_seconds, finish_grace_minutes, updated_at)
  select gen_random_uuid(), p_profile, p_day_date, p_day_start, p_day_end, p_day_limit, p_day_exempt,
         p_day_allowed, coalesce(p_day_ignores, false), p_day_break_after, p_day_break_minutes,
         coalesce(prev.continuous_seconds, 0), prev.counted_at, prev.break_until, p_day_weekly, p_day_week_end, p_day_bank_cap,
         w.bank_seconds, w.week_used_seconds, w.week_bonus_seconds, coalesce(p_day_grace, 0), p_now
    from vt_week(p_profile, p_day_date, p_day_bank_cap) w
    left join lateral (select l.continuous_seconds, l.counted_at, l.break_until from viewing_time_balances l
                        where p_day_break_after is not null and l.profile_id = p_profile and l.day_end <= p_day_start
                        order by l.day_end desc limit 1) prev on true
  on conflict (profile_id, reset_date) do nothing
  returning b.id into v_id;
  if v_id is null then
    select b.id into v_id from viewing_time_balances b where b.profile_id = p_profile and b.reset_date = p_day_date;
  end if;
  return v_id;
end
$function$;
