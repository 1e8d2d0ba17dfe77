-- Credits viewing to day rows under their row locks, for any number of rows at once (each row at
-- most once): exempt educational viewing to educational_seconds, anything else to used_seconds but
-- never past limit + bonus (vt_grantable: the one clamp). `granted` is what each row took, so a
-- session keeps exactly that. Every credit of a day row goes through here: the heartbeat's steady
-- beats as one set, its other beats and a closing session one row at a time. PL/pgSQL, not SQL,
-- so that its plan is cached for the connection.
create or replace function vt_credit(p_balance uuid[], p_seconds integer[], p_title_educational boolean[], p_now timestamptz[])
returns table (balance uuid, granted integer, used_seconds integer, educational_seconds integer, bonus_seconds integer,
               unlimited_override boolean, limit_minutes integer, educational_exempt boolean, day_end timestamptz)
language plpgsql
rows 8 -- a batch's steady beats: the planner joins its answers by index, never by scanning
as $function$
begin
  return query
  update viewing_time_balances b set
    credited_seconds = vt_grantable(c.seconds, b.educational_exempt and c.edu, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override),
    used_seconds = b.used_seconds + case when b.educational_exempt and c.edu then 0
      else vt_grantable(c.seconds, false, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override) end,
    educational_seconds = b.educational_seconds + case when b.educational_exempt and c.edu then c.seconds else 0 end,
    updated_at = c.at
  from unnest(p_balance, p_seconds, p_title_educational, p_now) as c(id, seconds, edu, at)
  where b.id = c.id
  returning b.id, b.credited_seconds, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes,
            b.educational_exempt, b.day_end;
end
$function$;
