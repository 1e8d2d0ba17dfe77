-- FROZEN: src/db/sql/vt_credit.sql as of round 2 (identical on main from 1882c38 to 223ab76), table and function names qualified with vt_r2.
-- Do not update it with the service: it is the raw baseline's yardstick (see ../README.md).
-- Credits p_seconds of viewing to a day's balance under its row lock (closing a session: the
-- heartbeat statement does the same inline): exempt educational viewing to educational_seconds,
-- anything else to used_seconds but never past limit + bonus (vt_grantable).
-- credited_seconds keeps what this update granted, so RETURNING hands it back without reading the
-- row under a lock first. PL/pgSQL, not SQL: its plan is cached for the session.
create or replace function vt_r2.vt_credit(p_balance uuid, p_seconds integer, p_title_educational boolean, p_now timestamptz,
  out granted integer, out used_seconds integer, out educational_seconds integer, out bonus_seconds integer,
  out unlimited_override boolean, out limit_minutes integer, out educational_exempt boolean)
language plpgsql
as $function$
#variable_conflict use_column
begin
  update vt_r2.viewing_time_balances b set
    credited_seconds = vt_r2.vt_grantable(p_seconds, b.educational_exempt and p_title_educational, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override),
    used_seconds = b.used_seconds + case when b.educational_exempt and p_title_educational then 0
      else vt_r2.vt_grantable(p_seconds, false, b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override) end,
    educational_seconds = b.educational_seconds + case when b.educational_exempt and p_title_educational then p_seconds else 0 end,
    updated_at = p_now
  where b.id = p_balance
  returning b.credited_seconds, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override, b.limit_minutes, b.educational_exempt
       into granted, used_seconds, educational_seconds, bonus_seconds, unlimited_override, limit_minutes, educational_exempt;
end
$function$;
