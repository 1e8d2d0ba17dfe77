-- What is left of a title (seconds) at a player's position: its length minus the position, a
-- position past the end counting as the end (SPEC §3a: never an error). Null when the length is
-- unknown. The one definition, for the finishing grace (vt_beat).
create or replace function vt_rest(p_duration_minutes integer, p_position integer)
returns integer
language sql immutable
as $function$
  select p_duration_minutes * 60 - least(p_position,
                                         p_duration_minutes * 60)
$function$;
