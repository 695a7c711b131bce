"""Weather for gridplan: readers, synthetic typical years, PV and wind capacity factors.

Public entry points::

    from gridplan.weather import (read_weather, read_epw, read_pvgis_tmy, read_weather_csv,
                                  fetch_pvgis_tmy, pv_capacity_factor, wind_capacity_factor,
                                  city_weather, city_profiles, load_city)
"""

from gridplan.weather.cities import city_names, data_dir, load_city
from gridplan.weather.profiles import city_profiles, city_weather, weather_profiles
from gridplan.weather.pv import full_load_hours, pv_capacity_factor
from gridplan.weather.readers import (
    fetch_pvgis_tmy,
    read_epw,
    read_pvgis_tmy,
    read_weather,
    read_weather_csv,
    write_weather_csv,
)
from gridplan.weather.synth import generate_typical_year, monthly_statistics, synth_city
from gridplan.weather.wind import wind_capacity_factor

__all__ = [
    "city_names", "data_dir", "load_city", "city_profiles", "city_weather", "weather_profiles",
    "full_load_hours", "pv_capacity_factor", "fetch_pvgis_tmy", "read_epw", "read_pvgis_tmy",
    "read_weather", "read_weather_csv", "write_weather_csv", "generate_typical_year",
    "monthly_statistics", "synth_city", "wind_capacity_factor",
]
